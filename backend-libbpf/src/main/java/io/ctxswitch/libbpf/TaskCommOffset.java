package io.ctxswitch.libbpf;

import com.sun.jna.Pointer;

/**
 * Where this kernel keeps a task's name (struct task_struct's comm, 16 bytes), from its BTF: the program then reads
 * the name in place rather than copying it through bpf_get_current_comm() (ctxswitch.bpf.c, current_comm). The
 * offset changes with the kernel's version and configuration, hence looked up here rather than compiled in (that
 * would take CO-RE, and so kernel BTF even in the kprobe mode, which needs none). 0 when it cannot be found: the
 * program then copies the name as before. The verifier checks both loads against the same BTF, so a wrong offset
 * is refused at load, never read.
 */
final class TaskCommOffset {
    /** struct btf_type: name_off, info, size; then, for a struct or union, vlen members. */
    private static final int TYPE_INFO = 4;
    private static final int TYPE_HEADER = 12;
    /** struct btf_member: name_off, type, offset (in bits; with kind_flag, the bitfield size in the top 8 bits). */
    private static final int MEMBER_SIZE = 12;

    private TaskCommOffset() {
    }

    /** task_struct's comm in this kernel's BTF, in bytes; 0 if there is no BTF or no 16-byte comm in it. */
    static int find(Libbpf lib) {
        Pointer vmlinux = lib.api.btf__load_vmlinux_btf();
        if (vmlinux == null) {
            return 0;
        }
        try {
            int task = lib.api.btf__find_by_name_kind(vmlinux, "task_struct", LibbpfNative.BTF_KIND_STRUCT);
            return task < 0 ? 0 : Math.max(0, memberOffset(lib.api, vmlinux, task, "comm", KernelLayout.COMM_LEN));
        } finally {
            lib.api.btf__free(vmlinux);
        }
    }

    /**
     * The byte offset of member {@code name} of struct or union {@code id}, {@code size} bytes long, looking inside
     * its anonymous structs and unions too (a randomized task_struct keeps its fields in one); -1 if absent.
     */
    static int memberOffset(LibbpfNative api, Pointer btf, int id, String name, int size) {
        Pointer type = api.btf__type_by_id(btf, id);
        int info = type.getInt(TYPE_INFO);
        boolean bitfields = info < 0; // kind_flag, bit 31
        for (int i = 0; i < (info & 0xffff); i++) {
            Pointer member = type.share(TYPE_HEADER + (long) i * MEMBER_SIZE);
            int memberType = member.getInt(4);
            int bits = member.getInt(8) & (bitfields ? 0xffffff : -1);
            if (bits % 8 != 0) {
                continue;
            }
            String memberName = api.btf__name_by_offset(btf, member.getInt(0));
            if (memberName == null || memberName.isEmpty()) {
                int kind = api.btf__type_by_id(btf, memberType).getInt(TYPE_INFO) >>> 24 & 0x1f;
                int inner = kind == LibbpfNative.BTF_KIND_STRUCT || kind == LibbpfNative.BTF_KIND_UNION
                        ? memberOffset(api, btf, memberType, name, size) : -1;
                if (inner >= 0) {
                    return bits / 8 + inner;
                }
            } else if (memberName.equals(name)) {
                return api.btf__resolve_size(btf, memberType) == size ? bits / 8 : -1;
            }
        }
        return -1;
    }
}
