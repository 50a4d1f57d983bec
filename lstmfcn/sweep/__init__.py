"""Archive-scale sweeps: every (dataset × model × cells × seed) unit as a Ray task, resumable.

* :mod:`.plan`: what a sweep trains (units, their keys, the datasets of an archive folder);
* :mod:`.selection`: the validation split of the training data and the choice of cell count;
* :mod:`.store`: the sweep folder (atomic writes, finished units, ``results.csv``);
* :mod:`.unit`: training one unit (plain function, no Ray);
* :mod:`.runner`: scheduling the units on Ray, with progress and an estimate of the time left;
* :mod:`.published`: the authors' published accuracies, shipped as data with their source;
* :mod:`.compare`: ours against theirs (per dataset; wins, draws, losses).

Ray is only imported by :mod:`.runner` (the ``sweep`` extra of the package).
"""
