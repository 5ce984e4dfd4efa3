-- -*- lua -*-
-- Module file created by spack (https://github.com/spack/spack) on 2024-10-14 09:12:37.415923
--
-- py-numpy@1.26.4%gcc@13.2.0+blas+lapack build_system=python_pip arch=linux-debian12-zen3/wzzjxgc
--

whatis([[Name : py-numpy]])
whatis([[Version : 1.26.4]])
whatis([[Target : zen3]])
whatis([[Short description : NumPy: the fundamental package for array computing with Python, linked against OpenBLAS]])

help([[Name   : py-numpy]])
help([[Version: 1.26.4]])
help([[Target : zen3]])
help()
help([[NumPy: the fundamental package for array computing with Python, linked
against OpenBLAS.]])

depends_on("openblas/0.3.26")
depends_on("python/3.11.7")

prepend_path("PATH", "/sw/spack/0.22/opt/linux-debian12-zen3/gcc-13.2.0/py-numpy-1.26.4-wzzjxgczatea2pwmq3sitm2rweae3ten/bin", ":")
prepend_path("PYTHONPATH", "/sw/spack/0.22/opt/linux-debian12-zen3/gcc-13.2.0/py-numpy-1.26.4-wzzjxgczatea2pwmq3sitm2rweae3ten/lib/python3.11/site-packages", ":")
prepend_path("CMAKE_PREFIX_PATH", "/sw/spack/0.22/opt/linux-debian12-zen3/gcc-13.2.0/py-numpy-1.26.4-wzzjxgczatea2pwmq3sitm2rweae3ten/.", ":")
setenv("PY_NUMPY_ROOT", "/sw/spack/0.22/opt/linux-debian12-zen3/gcc-13.2.0/py-numpy-1.26.4-wzzjxgczatea2pwmq3sitm2rweae3ten")
append_path("MANPATH", "", ":")
