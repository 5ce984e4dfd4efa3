"""sovaudit's benchmarks: ``python -m benchmarks run`` times sovaudit beside its peers (see README.md here).

A package so that the suite can import the workload generators of the single-purpose scripts
beside it (``benchmarks.spack_lock``, ``benchmarks.oci_image`` ...) instead of copying them.
"""
