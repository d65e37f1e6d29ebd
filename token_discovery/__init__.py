"""Token Discovery: one shared scan of new crypto tokens, scored and pushed live to every user."""
