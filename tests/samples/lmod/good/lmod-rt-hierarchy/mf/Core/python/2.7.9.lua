setenv("COMPILER_DEPENDENT","no")
setenv("MY_VERSION",myModuleVersion())
