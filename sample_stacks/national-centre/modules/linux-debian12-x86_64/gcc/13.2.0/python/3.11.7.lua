-- -*- lua -*-
-- Module file created by spack (https://github.com/spack/spack) on 2024-10-14 09:12:37.415923
--
-- python@3.11.7%gcc@13.2.0+bz2+ctypes+dbm~debug+libxml2~lto~nis~optimizations+pic+pyexpat+pythoncmd+readline+shared+sqlite3+ssl~tkinter+uuid+zlib build_system=generic arch=linux-debian12-zen3/pgxxhnw
--

whatis([[Name : python]])
whatis([[Version : 3.11.7]])
whatis([[Target : zen3]])
whatis([[Short description : The Python programming language interpreter and standard library, built by Spack with the GCC 13 toolchain and linked against the system OpenSSL]])

help([[Name   : python]])
help([[Version: 3.11.7]])
help([[Target : zen3]])
help()
help([[The Python programming language interpreter and standard library, built
by Spack with the GCC 13 toolchain and linked against the system
OpenSSL.]])

prepend_path("PATH", "/sw/spack/0.22/opt/linux-debian12-zen3/gcc-13.2.0/python-3.11.7-pgxxhnwzwrblbpxglstcclqhc6hotupg/bin", ":")
prepend_path("MANPATH", "/sw/spack/0.22/opt/linux-debian12-zen3/gcc-13.2.0/python-3.11.7-pgxxhnwzwrblbpxglstcclqhc6hotupg/share/man", ":")
prepend_path("PKG_CONFIG_PATH", "/sw/spack/0.22/opt/linux-debian12-zen3/gcc-13.2.0/python-3.11.7-pgxxhnwzwrblbpxglstcclqhc6hotupg/lib/pkgconfig", ":")
prepend_path("CMAKE_PREFIX_PATH", "/sw/spack/0.22/opt/linux-debian12-zen3/gcc-13.2.0/python-3.11.7-pgxxhnwzwrblbpxglstcclqhc6hotupg/.", ":")
setenv("PYTHON_ROOT", "/sw/spack/0.22/opt/linux-debian12-zen3/gcc-13.2.0/python-3.11.7-pgxxhnwzwrblbpxglstcclqhc6hotupg")
append_path("MANPATH", "", ":")
