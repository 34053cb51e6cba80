"""Platform adapters: one module per platform over one HTTP seam (``transport/``), found through entry points.

``registry`` discovers the adapters (the ``publisher.adapters`` entry-point group) and builds one, ``base`` is the
class they share, ``results`` the outcome tree they answer with, ``failures`` how HTTP answers map onto it, and
``media`` the store for platforms that fetch images by URL.
"""
