"""The note pipeline: spaCy/medspaCy components and mention extraction."""
