"""The letter source: the schema (the public contract), safe loading, the model."""
