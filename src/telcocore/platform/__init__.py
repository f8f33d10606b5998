"""The platform every domain builds on.

The unit-of-work and storage protocols, the service context, and the SQL session, dialects,
unit of work and migration runner. It imports the kernel only.
"""
