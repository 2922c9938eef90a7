"""The embedded backend: Whoosh-Reloaded's index on disk, searched in process."""
