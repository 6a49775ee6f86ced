package io.ctxswitch.cli;

/** Debian 12's Linux 6.12 PREEMPT_RT (linux-image-6.12-rt-amd64: sleeping spinlocks, schedule_rtlock) in the VM. */
class Linux612RtIT extends EverySwitchVm {
    @Override
    String kernelPackage() {
        return "linux-image-6.12-rt-amd64";
    }

    @Override
    String name() {
        return "linux612rt";
    }

    @Override
    String release() {
        return "6.12.";
    }
}
