-- -*- lua -*-
whatis([[Name : SiteStack]])
whatis([[Version : 2.0]])
help([[Convenience module that loads the site's default stack built with gcc/12.3.0.]])

-- One module to load the recommended tool chain and libraries.
add_property("state", "encouraged")

-- The site environment and the compiler come first.
always_load("SiteEnv")
always_load("gcc/12.3.0")

-- MPI before the libraries built against it.
load("openmpi")

load("fftw")
load("hdf5")
load("openblas")
load("python")
load("zlib")
