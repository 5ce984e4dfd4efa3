help([==[

Description
===========
EasyBuild is a software build and installation framework (sample for sovaudit's tests).


More information
================
 - Homepage: https://easybuilders.github.io/easybuild
]==])

whatis([==[Description: EasyBuild is a software build and installation framework]==])
whatis([==[Homepage: https://easybuilders.github.io/easybuild]==])

local root = "/opt/eb/software/EasyBuild/4.9.4"

conflict("EasyBuild")

prepend_path("PATH", pathJoin(root, "bin"))
setenv("EBROOTEASYBUILD", root)
setenv("EBVERSIONEASYBUILD", "4.9.4")
setenv("EBDEVELEASYBUILD", pathJoin(root, "easybuild/EasyBuild-4.9.4-easybuild-devel"))

-- Built with EasyBuild version 4.9.4
