"""One module per view: worklist, patient, agreement, export, run (screen an upload)."""
