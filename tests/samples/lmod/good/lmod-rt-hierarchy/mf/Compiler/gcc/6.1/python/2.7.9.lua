setenv("COMPILER_DEPENDENT","yes")
setenv("MY_VERSION",myModuleVersion())
