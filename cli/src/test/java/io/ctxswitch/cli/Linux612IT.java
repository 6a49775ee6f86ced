package io.ctxswitch.cli;

/** Debian 12's Linux 6.12 (linux-image-6.12-amd64, PREEMPT_DYNAMIC, voluntary by default) in the VM. */
class Linux612IT extends EverySwitchVm {
    @Override
    String kernelPackage() {
        return "linux-image-6.12-amd64";
    }

    @Override
    String name() {
        return "linux612";
    }

    @Override
    String release() {
        return "6.12.";
    }
}
