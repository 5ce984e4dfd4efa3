timestampFn = {
  false,
}
mrcT = {
  alias2modT = {},
  hiddenT = {},
  version2modT = {},
}

mrcMpathT = {}
spiderT = {
  ["/tmp/site/spack/share/spack/lmod/linux-x86_64/Core"] = {
    cmake = {
      defaultA = {},
      defaultT = {},
      dirT = {},
      fileT = {
        ["cmake/3.27.9"] = {
          Name = "cmake",
          Version = "3.27.9",
          canonical = "3.27.9",
          fn = "/tmp/site/spack/share/spack/lmod/linux-x86_64/Core/cmake/3.27.9.lua",
          help = "A cross-platform, open-source build system. CMake is a family of tools designed to build, test and package software.",
          lpathA = {
            ["/opt/spack/opt/spack/linux-ubuntu22.04-x86_64/gcc-11.4.0/cmake-3.27.9-eecy7coldsirxipx3rjcbb56xa3so2ta/lib"] = 1,
          },
          luaExt = 7,
          mpath = "/tmp/site/spack/share/spack/lmod/linux-x86_64/Core",
          pV = "000000003.000000027.000000009.*zfinal",
          pathA = {
            ["/opt/spack/opt/spack/linux-ubuntu22.04-x86_64/gcc-11.4.0/cmake-3.27.9-eecy7coldsirxipx3rjcbb56xa3so2ta/bin"] = 1,
          },
          wV = "000000003.000000027.000000009.*zfinal",
          whatis = {
            "Name : cmake", "Version : 3.27.9", "Target : x86_64", "Short description : A cross-platform, open-source build system. CMake is a family of tools designed to build, test and package software.",
          },
        },
      },
    },
    gcc = {
      defaultA = {},
      defaultT = {},
      dirT = {},
      fileT = {
        ["gcc/12.3.0"] = {
          Name = "gcc",
          Version = "12.3.0",
          canonical = "12.3.0",
          family = "compiler",
          fn = "/tmp/site/spack/share/spack/lmod/linux-x86_64/Core/gcc/12.3.0.lua",
          help = "The GNU Compiler Collection includes front ends for C, C++, Objective-C, Fortran, Ada, and Go, as well as libraries for these languages.",
          lpathA = {
            ["/opt/spack/opt/spack/linux-ubuntu22.04-x86_64/gcc-11.4.0/gcc-12.3.0-lmrfexubxri6iegm2apq26w44uzu6ppo/lib"] = 1,
          },
          luaExt = 7,
          mpath = "/tmp/site/spack/share/spack/lmod/linux-x86_64/Core",
          pV = "000000012.000000003.*zfinal",
          pathA = {
            ["/opt/spack/opt/spack/linux-ubuntu22.04-x86_64/gcc-11.4.0/gcc-12.3.0-lmrfexubxri6iegm2apq26w44uzu6ppo/bin"] = 1,
          },
          wV = "000000012.000000003.*zfinal",
          whatis = {
            "Name : gcc", "Version : 12.3.0", "Target : x86_64", "Short description : The GNU Compiler Collection includes front ends for C, C++, Objective-C, Fortran, Ada, and Go, as well as libraries for these languages.",
          },
        },
      },
    },
  },
  ["/tmp/site/spack/share/spack/lmod/linux-x86_64/gcc/12.3.0"] = {
    openmpi = {
      defaultA = {},
      defaultT = {},
      dirT = {},
      fileT = {
        ["openmpi/4.1.6"] = {
          Name = "openmpi",
          Version = "4.1.6",
          canonical = "4.1.6",
          family = "mpi",
          fn = "/tmp/site/spack/share/spack/lmod/linux-x86_64/gcc/12.3.0/openmpi/4.1.6.lua",
          help = "An open source Message Passing Interface implementation.",
          lpathA = {
            ["/opt/spack/opt/spack/linux-ubuntu22.04-x86_64/gcc-12.3.0/openmpi-4.1.6-x4r5qy7syppadc742zdoxogsxq66flbw/lib"] = 1,
          },
          luaExt = 6,
          mpath = "/tmp/site/spack/share/spack/lmod/linux-x86_64/gcc/12.3.0",
          pV = "000000004.000000001.000000006.*zfinal",
          pathA = {
            ["/opt/spack/opt/spack/linux-ubuntu22.04-x86_64/gcc-12.3.0/openmpi-4.1.6-x4r5qy7syppadc742zdoxogsxq66flbw/bin"] = 1,
          },
          wV = "000000004.000000001.000000006.*zfinal",
          whatis = {
            "Name : openmpi", "Version : 4.1.6", "Target : x86_64", "Short description : An open source Message Passing Interface implementation.",
          },
        },
      },
    },
    zlib = {
      defaultA = {},
      defaultT = {},
      dirT = {},
      fileT = {
        ["zlib/1.2.13"] = {
          Name = "zlib",
          Version = "1.2.13",
          canonical = "1.2.13",
          fn = "/tmp/site/spack/share/spack/lmod/linux-x86_64/gcc/12.3.0/zlib/1.2.13.lua",
          help = "A free, general-purpose, legally unencumbered lossless data-compression library.",
          lpathA = {
            ["/opt/spack/opt/spack/linux-ubuntu22.04-x86_64/gcc-12.3.0/zlib-1.2.13-25khgggdwbdobncikl37alghs6dqmcvt/lib"] = 1,
          },
          luaExt = 7,
          mpath = "/tmp/site/spack/share/spack/lmod/linux-x86_64/gcc/12.3.0",
          pV = "000000001.000000002.000000013.*zfinal",
          pathA = {
            ["/opt/spack/opt/spack/linux-ubuntu22.04-x86_64/gcc-12.3.0/zlib-1.2.13-25khgggdwbdobncikl37alghs6dqmcvt/bin"] = 1,
          },
          wV = "000000001.000000002.000000013.*zfinal",
          whatis = {
            "Name : zlib", "Version : 1.2.13", "Target : x86_64", "Short description : A free, general-purpose, legally unencumbered lossless data-compression library.",
          },
        },
        ["zlib/1.3"] = {
          Name = "zlib",
          Version = "1.3",
          canonical = "1.3",
          fn = "/tmp/site/spack/share/spack/lmod/linux-x86_64/gcc/12.3.0/zlib/1.3.lua",
          help = "A free, general-purpose, legally unencumbered lossless data-compression library.",
          lpathA = {
            ["/opt/spack/opt/spack/linux-ubuntu22.04-x86_64/gcc-12.3.0/zlib-1.3-ccx3zcgqzvk5nqhmbhipmw3bfb4xwpm5/lib"] = 1,
          },
          luaExt = 4,
          mpath = "/tmp/site/spack/share/spack/lmod/linux-x86_64/gcc/12.3.0",
          pV = "000000001.000000003.*zfinal",
          pathA = {
            ["/opt/spack/opt/spack/linux-ubuntu22.04-x86_64/gcc-12.3.0/zlib-1.3-ccx3zcgqzvk5nqhmbhipmw3bfb4xwpm5/bin"] = 1,
          },
          wV = "000000001.000000003.*zfinal",
          whatis = {
            "Name : zlib", "Version : 1.3", "Target : x86_64", "Short description : A free, general-purpose, legally unencumbered lossless data-compression library.",
          },
        },
      },
    },
  },
  ["/tmp/site/spack/share/spack/lmod/linux-x86_64/openmpi/4.1.6-x4r5qy7/gcc/12.3.0"] = {
    fftw = {
      defaultA = {},
      defaultT = {},
      dirT = {},
      fileT = {
        ["fftw/3.3.10"] = {
          Name = "fftw",
          Version = "3.3.10",
          canonical = "3.3.10",
          fn = "/tmp/site/spack/share/spack/lmod/linux-x86_64/openmpi/4.1.6-x4r5qy7/gcc/12.3.0/fftw/3.3.10.lua",
          help = "FFTW is a C subroutine library for computing the discrete Fourier transform (DFT).",
          lpathA = {
            ["/opt/spack/opt/spack/linux-ubuntu22.04-x86_64/gcc-12.3.0/fftw-3.3.10-chhcdsuwbxezwue7vzrbtlsix2baashk/lib"] = 1,
          },
          luaExt = 7,
          mpath = "/tmp/site/spack/share/spack/lmod/linux-x86_64/openmpi/4.1.6-x4r5qy7/gcc/12.3.0",
          pV = "000000003.000000003.000000010.*zfinal",
          pathA = {
            ["/opt/spack/opt/spack/linux-ubuntu22.04-x86_64/gcc-12.3.0/fftw-3.3.10-chhcdsuwbxezwue7vzrbtlsix2baashk/bin"] = 1,
          },
          wV = "000000003.000000003.000000010.*zfinal",
          whatis = {
            "Name : fftw", "Version : 3.3.10", "Target : x86_64", "Short description : FFTW is a C subroutine library for computing the discrete Fourier transform (DFT).",
          },
        },
      },
    },
    hdf5 = {
      defaultA = {},
      defaultT = {},
      dirT = {},
      fileT = {
        ["hdf5/1.14.3"] = {
          Name = "hdf5",
          Version = "1.14.3",
          canonical = "1.14.3",
          fn = "/tmp/site/spack/share/spack/lmod/linux-x86_64/openmpi/4.1.6-x4r5qy7/gcc/12.3.0/hdf5/1.14.3.lua",
          help = "HDF5 is a data model, library, and file format for storing and managing data.",
          lpathA = {
            ["/opt/spack/opt/spack/linux-ubuntu22.04-x86_64/gcc-12.3.0/hdf5-1.14.3-lqp4zovkvysuumzoombtle5q7zkrsesa/lib"] = 1,
          },
          luaExt = 7,
          mpath = "/tmp/site/spack/share/spack/lmod/linux-x86_64/openmpi/4.1.6-x4r5qy7/gcc/12.3.0",
          pV = "000000001.000000014.000000003.*zfinal",
          pathA = {
            ["/opt/spack/opt/spack/linux-ubuntu22.04-x86_64/gcc-12.3.0/hdf5-1.14.3-lqp4zovkvysuumzoombtle5q7zkrsesa/bin"] = 1,
          },
          wV = "000000001.000000014.000000003.*zfinal",
          whatis = {
            "Name : hdf5", "Version : 1.14.3", "Target : x86_64", "Short description : HDF5 is a data model, library, and file format for storing and managing data.",
          },
        },
      },
    },
  },
  version = 5,
}
mpathMapT = {
  ["/tmp/site/spack/share/spack/lmod/linux-x86_64/gcc/12.3.0"] = {
    ["gcc/12.3.0"] = "/tmp/site/spack/share/spack/lmod/linux-x86_64/Core",
  },
  ["/tmp/site/spack/share/spack/lmod/linux-x86_64/openmpi/4.1.6-x4r5qy7/gcc/12.3.0"] = {
    ["openmpi/4.1.6"] = "/tmp/site/spack/share/spack/lmod/linux-x86_64/gcc/12.3.0",
  },
}

