help([==[

Description
===========
CUDA toolkit (written for sovaudit's tests in the shape EasyBuild 3.x generated: a toolchain
with a binutils version in it).


More information
================
 - Homepage: https://developer.nvidia.com/cuda-toolkit
]==])

whatis([==[Description: CUDA toolkit]==])
whatis([==[Homepage: https://developer.nvidia.com/cuda-toolkit]==])

local root = "/opt/eb/software/CUDA/10.1.243-GCC-8.3.0-2.32"

conflict("CUDA")

if not ( isloaded("GCC/8.3.0-2.32") ) then
    load("GCC/8.3.0-2.32")
end

prepend_path("PATH", pathJoin(root, "bin"))
setenv("EBROOTCUDA", root)
setenv("EBVERSIONCUDA", "10.1.243")
setenv("EBDEVELCUDA", pathJoin(root, "easybuild/CUDA-10.1.243-GCC-8.3.0-2.32-easybuild-devel"))

setenv("CUDA_HOME", "/opt/eb/software/CUDA/10.1.243-GCC-8.3.0-2.32")
-- Built with EasyBuild version 3.9.4
