"""Tabular data: loading and typing a table (`frame`), the condition language of filters (`conditions`),
the model that is explained (`fit`) and the analyses behind the table tools (`analysis`)."""
