-- -*- lua -*-
-- Module file created by spack (https://github.com/spack/spack) on 2024-10-14 09:12:37.415923
--
-- netcdf-fortran@4.6.1%gcc@13.2.0~doc+pic+shared build_system=autotools arch=linux-debian12-zen3/rhqpgc6
--

whatis([[Name : netcdf-fortran]])
whatis([[Version : 4.6.1]])
whatis([[Target : zen3]])
whatis([[Short description : NetCDF-Fortran: the Fortran interface to the NetCDF library]])

help([[Name   : netcdf-fortran]])
help([[Version: 4.6.1]])
help([[Target : zen3]])
help()
help([[NetCDF-Fortran: the Fortran interface to the NetCDF library.]])

depends_on("netcdf-c/4.9.2")

prepend_path("PATH", "/sw/spack/0.22/opt/linux-debian12-zen3/gcc-13.2.0/netcdf-fortran-4.6.1-rhqpgc63a7felutnw5wj5lcgwyyibdwb/bin", ":")
prepend_path("MANPATH", "/sw/spack/0.22/opt/linux-debian12-zen3/gcc-13.2.0/netcdf-fortran-4.6.1-rhqpgc63a7felutnw5wj5lcgwyyibdwb/share/man", ":")
prepend_path("PKG_CONFIG_PATH", "/sw/spack/0.22/opt/linux-debian12-zen3/gcc-13.2.0/netcdf-fortran-4.6.1-rhqpgc63a7felutnw5wj5lcgwyyibdwb/lib/pkgconfig", ":")
prepend_path("CMAKE_PREFIX_PATH", "/sw/spack/0.22/opt/linux-debian12-zen3/gcc-13.2.0/netcdf-fortran-4.6.1-rhqpgc63a7felutnw5wj5lcgwyyibdwb/.", ":")
setenv("NETCDF_FORTRAN_ROOT", "/sw/spack/0.22/opt/linux-debian12-zen3/gcc-13.2.0/netcdf-fortran-4.6.1-rhqpgc63a7felutnw5wj5lcgwyyibdwb")
append_path("MANPATH", "", ":")
