"""Publishing one target at most once: publications, the ledger, what is sent, the publish step and its verbs."""
