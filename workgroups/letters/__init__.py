"""The official letter that sends a submitted list to the budget office (docs/pdf-engines.md):
what it says (`content`), and the A4 right-to-left PDF made from it with Typst (`render`)."""
