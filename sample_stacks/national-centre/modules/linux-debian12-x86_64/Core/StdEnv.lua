-- -*- lua -*-
-- Site module (not written by Spack): the default environment every login loads.
whatis("Description: heron default environment: GCC 13.2.0 and Open MPI 4.1.4 (Debian, UCX, Slurm PMIx)")
help([[
The default environment of the heron cluster. `module load StdEnv` (done at login) gives you
the GCC 13.2.0 compilers and the system Open MPI, and with them the software built for both.
`module spider NAME` finds everything else.
]])

load("gcc/13.2.0")
load("openmpi/4.1.4")
