setenv("BOOST_VERSION", myModuleVersion())
