"""The office's identity: who speaks (:mod:`.identity`, ``PUBLISHER_BRAND__*``) and the colours every card, poster
and digest draws with (:mod:`.palette`, with the WCAG contrast maths).

Its own package, apart from :mod:`publisher.cards`, because settings validate a brand's colours when they load,
and the cards package imports the adapters (which read settings): a brand inside it would be an import cycle.
"""
