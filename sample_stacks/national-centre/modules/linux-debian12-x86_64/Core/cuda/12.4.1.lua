-- -*- lua -*-
-- Site module (not written by Spack): the CUDA toolkit that NVIDIA's runfile installer put into
-- the node image. Spack uses the same toolkit as the external cuda@12.4.1 (spack/spack.yaml).
whatis("Name: cuda")
whatis("Version: 12.4.1")
whatis("Description: NVIDIA CUDA Toolkit 12.4.1 (nvcc, CUDA runtime, cuBLAS, cuFFT, cuSPARSE, Nsight tools)")
whatis("URL: https://developer.nvidia.com/cuda-toolkit")
help([[
NVIDIA CUDA Toolkit 12.4.1 for the A100 GPUs of the heron GPU partition (compute capability 8.0).
The driver on the nodes is the 535 branch: CUDA 12.4 programs run on it through CUDA minor version
compatibility; PTX that needs a newer driver will not JIT-compile.
]])

local root = "/usr/local/cuda-12.4"
setenv("CUDA_HOME", root)
setenv("CUDA_ROOT", root)
prepend_path("PATH", pathJoin(root, "bin"))
prepend_path("LD_LIBRARY_PATH", pathJoin(root, "lib64"))
prepend_path("CMAKE_PREFIX_PATH", root)
prepend_path("MANPATH", pathJoin(root, "doc/man"))
