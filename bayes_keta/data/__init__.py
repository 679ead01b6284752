"""Data layer: the data contract, the validated trial object and the embedded data sets."""
