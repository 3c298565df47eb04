"""Documents in, outcomes out: what ``chromecut clean`` / ``label`` read, and how the work is spread.

* :mod:`~chromecut.io.inputs` -- sources, their formats, documents and failures; HTML sniffing; tolerant gzip.
* :mod:`~chromecut.io.readers` -- :func:`~chromecut.io.readers.read_source`: plain files and JSON Lines.
* :mod:`~chromecut.io.warc` -- WARC / WET archives and HTTP payloads.
* :mod:`~chromecut.io.batch` -- plan, label in batches (here or in worker processes), write the outputs.
* :mod:`~chromecut.io.workers` -- the worker pool with a hard time limit; :mod:`~chromecut.io.streams` -- chunking.
* :mod:`~chromecut.io.dask` -- the Dask engine, and the public ``clean_bag`` / ``clean_dataframe``.

Nothing is imported here: the command line imports this package at start-up and must stay fast.
"""
