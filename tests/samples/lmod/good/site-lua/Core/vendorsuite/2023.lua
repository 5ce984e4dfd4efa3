-- Written by hand from the vendor's environment script, then converted with tcl2lua.tcl
-- so that it could be marked as 'ignore'.

whatis([===[Vendor Compiler Suite 2023 ]===])
add_property("state", "ignore")

load("devtoolset")

setenv("VENDOR_ROOT","/opt/vendor//suite-2023")
setenv("VENDOR_MPI_ROOT","/opt/vendor/suite-2023/mpi/2023.1")
setenv("VENDOR_LICENSE_FILE","/opt/vendor/licenses:/home/someone/vendor/licenses")
setenv("MKLROOT","/opt/vendor/suite-2023/mkl/2023.1")
prepend_path{"PATH","/opt/vendor/suite-2023/compiler/2023.1/bin/intel64",delim=":",priority="0"}
prepend_path{"PATH","/opt/vendor/suite-2023/mpi/2023.1/bin",delim=":",priority="0"}
prepend_path{"PATH","/opt/vendor/bin",delim=":",priority="0"}
setenv("LD_LIBRARY_PATH","/opt/vendor/suite-2023/mpi/2023.1/lib:/opt/vendor/suite-2023/compiler/2023.1/lib/intel64:/opt/vendor/suite-2023/mkl/2023.1/lib/intel64")
setenv("CPATH","/opt/vendor/suite-2023/mkl/2023.1/include")
