"""python3 scripts/checks/deploycheck SECTION ARGS...: the structural checks of scripts/checks/check-deploy.sh.
Each section prints every problem it finds and exits 1 if there was one."""
import os
import sys

import common


def main():
    section, args = sys.argv[1], sys.argv[2:]
    if section == "runtime-packages":
        # Not a check: deploy/Containerfile's runtime stage's packages, one a line (make dist).
        import container
        import rootfs
        stage = container.parse(os.path.join(common.DEPLOY, "Containerfile"))
        print("\n".join(rootfs.runtime_packages(stage)))
        return
    if section == "kubernetes":
        import kubernetes
        kubernetes.check_manifests(*args)
    elif section == "image":
        import container
        container.check_image(*args)
    elif section == "dist":
        import dist
        dist.check_dist(*args)
    elif section == "compose":
        import compose
        compose.check_compose(*args)
    elif section == "dashboard":
        import dashboard
        dashboard.check_static()
    elif section == "dashboard-live":
        import dashboard
        dashboard.check_live(*args)
    elif section == "rules-live":
        import ruleslive
        ruleslive.check_live(*args)
    elif section == "scrape-k8s":
        import scrape
        scrape.write_checkable(*args)
    else:
        sys.exit(f"unknown section {section}")
    common.finish(section)


main()
