"""File I/O for sources: screening, reading CSV as text, spilling chunks for workers, and filing files away."""
