timestampFn = {
  "/apps/modules/cacheDir/system.txt",
}
defaultMpathA = {
  "/apps/modules/Core",
}
moduleT = {
  ["/apps/modules/Core"] = {
    ["/apps/modules/Core/gcc/9.3.0.lua"] = {
      ["Description"] = "GNU: the GNU Compiler Collection",
      children = {
        ["/apps/modules/Compiler/gcc/9.3.0"] = {
          ["/apps/modules/Compiler/gcc/9.3.0/openmpi/4.0.5.lua"] = {
            ["Description"] = "Open MPI: an MPI implementation",
            children = {
              ["/apps/modules/MPI/gcc/9.3.0/openmpi/4.0.5"] = {
                ["/apps/modules/MPI/gcc/9.3.0/openmpi/4.0.5/netcdf/4.7.4.lua"] = {
                  children = {
                  },
                  ["full"] = "netcdf/4.7.4",
                  ["markedDefault"] = false,
                  ["name"] = "netcdf",
                  ["path"] = "/apps/modules/MPI/gcc/9.3.0/openmpi/4.0.5/netcdf/4.7.4.lua",
                  lpathA = {
                    ["/apps/software/netcdf/4.7.4-gcc-9.3.0-openmpi-4.0.5/lib"] = 1,
                  },
                  whatis = {
                    "Description: netCDF: libraries for array-oriented scientific data",
                  },
                },
              },
              ["version"] = 3,
            },
            ["full"] = "openmpi/4.0.5",
            ["markedDefault"] = true,
            ["name"] = "openmpi",
            ["path"] = "/apps/modules/Compiler/gcc/9.3.0/openmpi/4.0.5.lua",
            pathA = {
              ["/apps/software/openmpi/4.0.5-gcc-9.3.0/bin"] = 1,
            },
            propT = {
              arch = {
                ["gpu"] = 1,
              },
            },
          },
        },
        ["version"] = 3,
      },
      ["epoch"] = 1600000000,
      ["full"] = "gcc/9.3.0",
      ["full_lower"] = "gcc/9.3.0",
      ["help"] = [[
This module loads the GNU Compilers version 9.3.0:
  C:        gcc
  Fortran:  gfortran
]],
      ["markedDefault"] = true,
      ["name"] = "gcc",
      ["path"] = "/apps/modules/Core/gcc/9.3.0.lua",
      pathA = {
        ["/apps/software/gcc/9.3.0/bin"] = 1,
      },
    },
    ["/apps/modules/Core/slurm/20.11.lua"] = {
      ["Description"] = "SLURM: the workload manager's client commands",
      children = {
      },
      ["full"] = "slurm/20.11",
      ["markedDefault"] = true,
      ["name"] = "slurm",
      ["path"] = "/apps/modules/Core/slurm/20.11.lua",
      pathA = {
        ["/opt/slurm/20.11/bin"] = 1,
      },
      propT = {
        lmod = {
          ["sticky"] = 1,
        },
      },
    },
  },
}
