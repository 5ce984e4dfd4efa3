-- -*- lua -*-
-- Site module (not written by Spack): Spack does not write modules for externals, so the site
-- wraps the Debian Open MPI (packages libopenmpi3, openmpi-bin; prefix /usr) that Spack uses as
-- the external openmpi@4.1.4/5w3bgaj, and opens the MPI level of the hierarchy.
whatis("Name: openmpi")
whatis("Version: 4.1.4")
whatis("Description: Open MPI 4.1.4 from Debian 12 (UCX and libfabric transports, PMIx for srun)")
whatis("URL: https://www.open-mpi.org")
help([[
Open MPI 4.1.4 as Debian 12 ships it, used over the InfiniBand fabric through UCX.
Start jobs with srun (PMIx); mpirun works inside an allocation too.
]])

family("mpi")
prepend_path("MODULEPATH", "/sw/spack/0.22/modules/lmod/linux-debian12-x86_64/openmpi/4.1.4-5w3bgaj/gcc/13.2.0")

setenv("MPI_HOME", "/usr/lib/x86_64-linux-gnu/openmpi")
setenv("OPENMPI_ROOT", "/usr/lib/x86_64-linux-gnu/openmpi")
setenv("OMPI_MCA_pml", "ucx")
setenv("OMPI_MCA_btl", "^openib,uct")
setenv("SLURM_MPI_TYPE", "pmix")
