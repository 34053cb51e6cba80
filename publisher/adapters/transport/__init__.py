"""The HTTP seam every adapter talks through (``base``), and its two implementations (``requests``, ``dry_run``)."""
