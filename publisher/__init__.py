"""Social media scheduler and publisher for Kantor Imigrasi Bengkulu Selatan.

Data flows one way, and the subpackages are its steps:

    post file ─► Post ─────────► card ─────────► caption ──────► adapter ──────────► ledger ───────────► archive
    posts/        posts/         cards/          text/           adapters/           publishing/          archive/
    (Markdown)    (validated)    (image, alt)    (per platform)  (over transport/)   (at most once)

``publishing.step.publish_target`` is the one publish step (prepare → claim in the ledger → send → record); the
scheduler (``scheduler/``) decides when, the Celery worker (``worker/``) only runs it, the CLI (``cli``) and the
review site (``preview/``) are thin shells over the same functions. ``infra/`` holds what every process needs
(settings, Redis, logs, masking), ``defaults`` every default value.
"""

__version__ = "0.1.0"
