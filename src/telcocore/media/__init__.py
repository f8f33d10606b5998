"""The media domain: uploaded audio files and call recordings, their blobs and retention.

Metadata lives in the storage; the bytes live in a blob store
(:class:`~telcocore.media.ports.BlobStore`), keyed by the library's own ids.
"""
