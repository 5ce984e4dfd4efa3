-- -*- lua -*-
-- Module file created by spack (https://github.com/spack/spack) on 2024-10-14 09:12:37.415923
--
-- fftw@3.3.10%gcc@13.2.0+mpi+openmp~pfft_patches+shared build_system=autotools precision=double,float arch=linux-debian12-zen3/hfni3kr
--

whatis([[Name : fftw]])
whatis([[Version : 3.3.10]])
whatis([[Target : zen3]])
whatis([[Short description : FFTW: a C library for computing discrete Fourier transforms in one or more dimensions, built in single and double precision with OpenMP and MPI support]])

help([[Name   : fftw]])
help([[Version: 3.3.10]])
help([[Target : zen3]])
help()
help([[FFTW: a C library for computing discrete Fourier transforms in one or
more dimensions, built in single and double precision with OpenMP and
MPI support.]])

prepend_path("PATH", "/sw/spack/0.22/opt/linux-debian12-zen3/gcc-13.2.0/fftw-3.3.10-hfni3krfm4bwnrr7fbfiuau22qr35jkw/bin", ":")
prepend_path("MANPATH", "/sw/spack/0.22/opt/linux-debian12-zen3/gcc-13.2.0/fftw-3.3.10-hfni3krfm4bwnrr7fbfiuau22qr35jkw/share/man", ":")
prepend_path("PKG_CONFIG_PATH", "/sw/spack/0.22/opt/linux-debian12-zen3/gcc-13.2.0/fftw-3.3.10-hfni3krfm4bwnrr7fbfiuau22qr35jkw/lib/pkgconfig", ":")
prepend_path("CMAKE_PREFIX_PATH", "/sw/spack/0.22/opt/linux-debian12-zen3/gcc-13.2.0/fftw-3.3.10-hfni3krfm4bwnrr7fbfiuau22qr35jkw/.", ":")
setenv("FFTW_ROOT", "/sw/spack/0.22/opt/linux-debian12-zen3/gcc-13.2.0/fftw-3.3.10-hfni3krfm4bwnrr7fbfiuau22qr35jkw")
append_path("MANPATH", "", ":")
