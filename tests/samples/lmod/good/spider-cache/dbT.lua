timestampFn = {
  "/apps/modules/cacheDir/system.txt",
}
dbT = {
  ["gcc"] = {
    ["/apps/modules/Core/gcc/9.3.0.lua"] = {
      ["Description"] = "GNU: the GNU Compiler Collection",
      ["full"] = "gcc/9.3.0",
      ["markedDefault"] = true,
      ["name"] = "gcc",
      parent = {
        "default",
      },
      ["path"] = "/apps/modules/Core/gcc/9.3.0.lua",
      pathA = {
        ["/apps/software/gcc/9.3.0/bin"] = 1,
      },
    },
  },
  ["netcdf"] = {
    ["/apps/modules/MPI/gcc/9.3.0/openmpi/4.0.5/netcdf/4.7.4.lua"] = {
      ["full"] = "netcdf/4.7.4",
      ["markedDefault"] = false,
      ["name"] = "netcdf",
      parent = {
        "default:gcc/9.3.0:openmpi/4.0.5",
      },
      ["path"] = "/apps/modules/MPI/gcc/9.3.0/openmpi/4.0.5/netcdf/4.7.4.lua",
      whatis = {
        "Description: netCDF: libraries for array-oriented scientific data",
      },
    },
  },
  ["openmpi"] = {
    ["/apps/modules/Compiler/gcc/9.3.0/openmpi/4.0.5.lua"] = {
      ["Description"] = "Open MPI: an MPI implementation",
      ["full"] = "openmpi/4.0.5",
      ["markedDefault"] = true,
      ["name"] = "openmpi",
      parent = {
        "default:gcc/9.3.0",
      },
      ["path"] = "/apps/modules/Compiler/gcc/9.3.0/openmpi/4.0.5.lua",
      pathA = {
        ["/apps/software/openmpi/4.0.5-gcc-9.3.0/bin"] = 1,
      },
    },
  },
}
