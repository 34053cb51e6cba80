"""Social media scheduler and publisher for Kantor Imigrasi Bengkulu Selatan.

Data flows one way: post file → validated ``Post`` (:mod:`publisher.posts.loader`) → cards (:mod:`publisher.cards`)
→ captions (:mod:`publisher.text.captions`) → adapter (:mod:`publisher.adapters`) → ledger.
"""

__version__ = "0.1.0"
