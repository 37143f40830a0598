// libhdf5 opened with dlopen on first use instead of linked: it pulls in 36 shared libraries
// (curl, GnuTLS, Kerberos, LDAP…) that cost every facedetail process 4–5 ms at start-up, and only
// the Keras loader needs it. Included after <hdf5.h> by fd_hdf5.c only: each H5 function it calls
// becomes a pointer of the same type, looked up once, and the two type globals it reads are
// looked up after H5open.
#ifndef FD_HDF5_DYNAMIC_H
#define FD_HDF5_DYNAMIC_H
#include <hdf5.h>

#define FD_H5_FUNCTIONS(X)                                                                                    \
    X(H5open) X(H5Eset_auto2) X(H5Ewalk2) X(H5Eclear2) X(H5Fopen) X(H5Fclose) X(H5Aexists_by_name)           \
    X(H5Aopen_by_name) X(H5Aget_type) X(H5Aget_space) X(H5Aread) X(H5Aclose) X(H5Tget_class) X(H5Tget_size)   \
    X(H5Tis_variable_str) X(H5Tcopy) X(H5Tset_size) X(H5Tset_strpad) X(H5Tclose) X(H5Sget_simple_extent_npoints) \
    X(H5Sget_simple_extent_ndims) X(H5Sget_simple_extent_dims) X(H5Sclose) X(H5Lexists) X(H5Dopen2)        \
    X(H5Dget_space) X(H5Dget_type) X(H5Dread) X(H5Dvlen_reclaim) X(H5Dclose) X(H5Lvisit_by_name) X(H5Oopen)  \
    X(H5Oclose) X(H5Iget_type)

struct fd_h5_library {
#define FD_H5_POINTER(name) __typeof__(name) *p_##name;
    FD_H5_FUNCTIONS(FD_H5_POINTER)
#undef FD_H5_POINTER
    hid_t *native_float, *c_s1;
};

/// The table, filled by fd_h5_load (fd_hdf5.c).
extern struct fd_h5_library fd_h5;

#define H5Eset_auto2 (*fd_h5.p_H5Eset_auto2)
#define H5Ewalk2 (*fd_h5.p_H5Ewalk2)
#define H5Eclear2 (*fd_h5.p_H5Eclear2)
#define H5Fopen (*fd_h5.p_H5Fopen)
#define H5Fclose (*fd_h5.p_H5Fclose)
#define H5Aexists_by_name (*fd_h5.p_H5Aexists_by_name)
#define H5Aopen_by_name (*fd_h5.p_H5Aopen_by_name)
#define H5Aget_type (*fd_h5.p_H5Aget_type)
#define H5Aget_space (*fd_h5.p_H5Aget_space)
#define H5Aread (*fd_h5.p_H5Aread)
#define H5Aclose (*fd_h5.p_H5Aclose)
#define H5Tget_class (*fd_h5.p_H5Tget_class)
#define H5Tget_size (*fd_h5.p_H5Tget_size)
#define H5Tis_variable_str (*fd_h5.p_H5Tis_variable_str)
#define H5Tcopy (*fd_h5.p_H5Tcopy)
#define H5Tset_size (*fd_h5.p_H5Tset_size)
#define H5Tset_strpad (*fd_h5.p_H5Tset_strpad)
#define H5Tclose (*fd_h5.p_H5Tclose)
#define H5Sget_simple_extent_npoints (*fd_h5.p_H5Sget_simple_extent_npoints)
#define H5Sget_simple_extent_ndims (*fd_h5.p_H5Sget_simple_extent_ndims)
#define H5Sget_simple_extent_dims (*fd_h5.p_H5Sget_simple_extent_dims)
#define H5Sclose (*fd_h5.p_H5Sclose)
#define H5Lexists (*fd_h5.p_H5Lexists)
#define H5Dopen2 (*fd_h5.p_H5Dopen2)
#define H5Dget_space (*fd_h5.p_H5Dget_space)
#define H5Dget_type (*fd_h5.p_H5Dget_type)
#define H5Dread (*fd_h5.p_H5Dread)
#define H5Dvlen_reclaim (*fd_h5.p_H5Dvlen_reclaim)
#define H5Dclose (*fd_h5.p_H5Dclose)
#define H5Lvisit_by_name (*fd_h5.p_H5Lvisit_by_name)
#define H5Oopen (*fd_h5.p_H5Oopen)
#define H5Oclose (*fd_h5.p_H5Oclose)
#define H5Iget_type (*fd_h5.p_H5Iget_type)
// hdf5.h makes these call H5check_version and H5open; fd_h5_load calls H5open itself.
#undef H5F_ACC_RDONLY
#define H5F_ACC_RDONLY 0x0000u
#undef H5T_NATIVE_FLOAT
#define H5T_NATIVE_FLOAT (*fd_h5.native_float)
#undef H5T_C_S1
#define H5T_C_S1 (*fd_h5.c_s1)
#endif
