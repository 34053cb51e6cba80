"""Post files: their model, loading, rules and limits."""
