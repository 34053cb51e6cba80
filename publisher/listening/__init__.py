"""Listening: what comes back from the public — engagement, the public's replies and questions, the satisfaction
survey (SKM) — and the rows the monthly report is drawn from.

    collect.py      one collection pass: metrics in batches, replies per thread, each platform on its own
    moments.py      when a target is read (+1 h, +24 h, +7 d, +30 d) and what X's reading costs a month
    gate.py         every read request passes the platform's rate (publishing's, in its own bucket) and "wait"
    passes.py       the pass as ``publisher collect`` and the beat run it
    store.py        the archive's listening tables: published targets, snapshots, replies, the purge
    questions.py    is a reply a question? (``?`` or an Indonesian question word)
    report_data.py  the report's rows (the contract between the archive side and the report side)
    storage.py      ``load_report_data(settings, month)``: those rows read from the archive
    month.py        a report month's bounds in the office's zone
    report/         ``publisher report``: index.html, report.pdf and metrics.csv drawn from those rows
    skm.py          the regulation's arithmetic (PermenPAN-RB 14/2017): NRR per unsur, IKM, category
    survey.py       ``publisher survey import``: the CSV, its line-numbered errors, the stored result, the draft post
    skm_post.py     the draft results post and its card
    skm_archive.py  the SKM result kept in the archive as well
"""
