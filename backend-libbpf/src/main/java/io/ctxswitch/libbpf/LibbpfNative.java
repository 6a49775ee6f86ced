package io.ctxswitch.libbpf;

import com.sun.jna.Callback;
import com.sun.jna.Library;
import com.sun.jna.Pointer;

/**
 * The JNA binding of the part of libbpf's C API (libbpf.so.1, Debian package libbpf1) that the
 * backend uses: the native functions as they are. {@link Libbpf} loads it once and holds it. Since
 * libbpf 1.0, functions returning a pointer return NULL and set errno on failure, and functions
 * returning int return a negative errno.
 */
public interface LibbpfNative extends Library {
    int LIBBPF_WARN = 0;
    int LIBBPF_INFO = 1;
    int BTF_KIND_STRUCT = 4;
    int BTF_KIND_UNION = 5;
    int BTF_KIND_TYPEDEF = 8;
    int BTF_KIND_FUNC = 12;

    /** {@code libbpf_print_fn_t}: the va_list arrives as a pointer on x86-64 and is read with vsnprintf. */
    interface PrintFn extends Callback {
        int invoke(int level, Pointer format, Pointer args);
    }

    /** {@code ring_buffer_sample_fn}: one record of a BPF ring buffer, valid only during the call. */
    interface RingSampleFn extends Callback {
        int invoke(Pointer context, Pointer data, long size);
    }

    Pointer ring_buffer__new(int mapFd, RingSampleFn sample, Pointer context, Pointer opts);

    /** Waits up to {@code timeoutMs} for records and hands over those there are; the number handed, or a negative errno. */
    int ring_buffer__poll(Pointer ring, int timeoutMs);

    /** Hands over every record there is, without waiting. */
    int ring_buffer__consume(Pointer ring);

    void ring_buffer__free(Pointer ring);

    int libbpf_major_version();

    int libbpf_minor_version();

    Pointer libbpf_set_print(PrintFn fn);

    int libbpf_num_possible_cpus();

    Pointer bpf_object__open_mem(Pointer buffer, long size, Pointer opts);

    int bpf_object__load(Pointer object);

    void bpf_object__close(Pointer object);

    Pointer bpf_object__find_map_by_name(Pointer object, String name);

    Pointer bpf_object__find_program_by_name(Pointer object, String name);

    int bpf_map__set_max_entries(Pointer map, int maxEntries);

    int bpf_map__fd(Pointer map);

    Pointer bpf_map__initial_value(Pointer map, long[] size);

    Pointer bpf_object__next_program(Pointer object, Pointer previous);

    String bpf_program__name(Pointer program);

    int bpf_program__set_autoload(Pointer program, boolean autoload);

    Pointer bpf_program__attach(Pointer program);

    Pointer bpf_program__attach_kprobe(Pointer program, boolean retprobe, String functionName);

    int bpf_link__destroy(Pointer link);

    int bpf_map_delete_elem(int fd, Pointer key);

    int bpf_map_update_elem(int fd, Pointer key, Pointer value, long flags);

    int bpf_map_lookup_elem(int fd, Pointer key, Pointer value);

    int bpf_map_get_next_key(int fd, Pointer key, Pointer nextKey);

    Pointer btf__load_vmlinux_btf();

    int btf__find_by_name_kind(Pointer btf, String name, int kind);

    /** {@code const struct btf_type *}: name_off, info (vlen, kind, kind_flag), size; a struct's members follow it. */
    Pointer btf__type_by_id(Pointer btf, int id);

    String btf__name_by_offset(Pointer btf, int offset);

    /** The type's size in bytes, through typedefs and modifiers; a negative errno if it has none. */
    long btf__resolve_size(Pointer btf, int id);

    void btf__free(Pointer btf);
}
