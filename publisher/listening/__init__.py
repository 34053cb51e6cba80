"""Listening: what comes back from the public — the satisfaction survey (SKM) today; engagement collection,
replies and the monthly report once the archive lands.

    skm.py     the regulation's arithmetic (PermenPAN-RB 14/2017): NRR per unsur, IKM, category
    survey.py  ``publisher survey import``: the CSV, its line-numbered errors, the stored result, the draft post
"""
