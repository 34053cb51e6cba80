"""Post files → validated ``Post``: the model, the loader, the rules, ``publisher check`` and the lookup by id."""
