help([==[

Description
===========
An open-source software library for Machine Intelligence (sample written for sovaudit's tests
in the shape EasyBuild generates).


More information
================
 - Homepage: https://www.tensorflow.org/


Included extensions
===================
absl-py-1.4.0, astunparse-1.6.3, gast-0.4.0, tensorboard-2.13.0
]==])

whatis([==[Description: An open-source software library for Machine Intelligence]==])
whatis([==[Homepage: https://www.tensorflow.org/]==])
whatis([==[URL: https://www.tensorflow.org/]==])
whatis([==[Extensions: absl-py-1.4.0, astunparse-1.6.3, gast-0.4.0, tensorboard-2.13.0]==])

local root = "/opt/eb/software/TensorFlow/2.13.0-foss-2023a"

conflict("TensorFlow")

if not ( isloaded("foss/2023a") ) then
    load("foss/2023a")
end

if not ( isloaded("Python/3.11.3-GCCcore-12.3.0") ) then
    load("Python/3.11.3-GCCcore-12.3.0")
end

if not ( isloaded("SciPy-bundle/2023.07-gfbf-2023a") ) then
    load("SciPy-bundle/2023.07-gfbf-2023a")
end

-- load("commented-out/1.0") must not count
if not ( isloaded("protobuf-python/4.24.0-GCCcore-12.3.0") ) then
    load("protobuf-python/4.24.0-GCCcore-12.3.0")
end

prepend_path("CMAKE_PREFIX_PATH", root)
prepend_path("LD_LIBRARY_PATH", pathJoin(root, "lib"))
prepend_path("PATH", pathJoin(root, "bin"))
setenv("EBROOTTENSORFLOW", root)
setenv("EBVERSIONTENSORFLOW", "2.13.0")
setenv("EBDEVELTENSORFLOW", pathJoin(root, "easybuild/TensorFlow-2.13.0-foss-2023a-easybuild-devel"))

prepend_path("PYTHONPATH", pathJoin(root, "lib/python3.11/site-packages"))
-- Built with EasyBuild version 4.8.2
setenv("EBEXTSLISTTENSORFLOW", "absl-py-1.4.0,astunparse-1.6.3,gast-0.4.0,tensorboard-2.13.0")
-- site text a centre appended after EasyBuild's trailer
setenv("TF_CPP_MIN_LOG_LEVEL", "2")
