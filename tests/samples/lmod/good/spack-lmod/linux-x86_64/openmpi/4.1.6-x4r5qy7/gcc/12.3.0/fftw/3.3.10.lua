-- -*- lua -*-
-- Module file created by spack (https://github.com/spack/spack) on 2024-05-02 10:11:12.000000
--
-- fftw@3.3.10%gcc@12.3.0 arch=linux-ubuntu22.04-x86_64/chhcdsu
--

whatis([[Name : fftw]])
whatis([[Version : 3.3.10]])
whatis([[Target : x86_64]])
whatis([[Short description : FFTW is a C subroutine library for computing the discrete Fourier transform (DFT).]])

help([[Name   : fftw]])
help([[Version: 3.3.10]])
help([[Target : x86_64]])
help()
help([[FFTW is a C subroutine library for computing the discrete Fourier transform (DFT).]])

prepend_path("PATH", "/opt/spack/opt/spack/linux-ubuntu22.04-x86_64/gcc-12.3.0/fftw-3.3.10-chhcdsuwbxezwue7vzrbtlsix2baashk/bin", ":")
prepend_path("CMAKE_PREFIX_PATH", "/opt/spack/opt/spack/linux-ubuntu22.04-x86_64/gcc-12.3.0/fftw-3.3.10-chhcdsuwbxezwue7vzrbtlsix2baashk/.", ":")
prepend_path("PKG_CONFIG_PATH", "/opt/spack/opt/spack/linux-ubuntu22.04-x86_64/gcc-12.3.0/fftw-3.3.10-chhcdsuwbxezwue7vzrbtlsix2baashk/lib/pkgconfig", ":")
