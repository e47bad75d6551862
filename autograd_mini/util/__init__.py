"""Small helpers the sub-packages share, below everything else: writing files all or nothing
(``fileio``), pausing the cyclic collector (``gc_pause``), ``save``/``load`` (``serialization``)."""
