help([==[

Description
===========
The NVIDIA Collective Communications Library (written for sovaudit's tests in EasyBuild's shape;
this one uses depends_on, as EasyBuild does with --module-depends-on).


More information
================
 - Homepage: https://developer.nvidia.com/nccl
]==])

whatis([==[Description: The NVIDIA Collective Communications Library]==])
whatis([==[Homepage: https://developer.nvidia.com/nccl]==])
whatis([==[URL: https://developer.nvidia.com/nccl]==])

local root = "/opt/eb/software/NCCL/2.18.3-GCCcore-12.3.0-CUDA-12.1.1"

conflict("NCCL")

depends_on("GCCcore/12.3.0")
depends_on("CUDA/12.1.1")
depends_on("UCX-CUDA/1.14.1-GCCcore-12.3.0-CUDA-12.1.1")

prepend_path("CPATH", pathJoin(root, "include"))
prepend_path("LD_LIBRARY_PATH", pathJoin(root, "lib"))
setenv("EBROOTNCCL", root)
setenv("EBVERSIONNCCL", "2.18.3")
setenv("EBDEVELNCCL", pathJoin(root, "easybuild/NCCL-2.18.3-GCCcore-12.3.0-CUDA-12.1.1-easybuild-devel"))

-- Built with EasyBuild version 4.9.4
