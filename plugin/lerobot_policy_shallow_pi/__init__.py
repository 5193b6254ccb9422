"""LeRobot plugin for shallow_pi: importing it registers the policy types `shallow_pi0` and `shallow_pi05`.

LeRobot's tools (lerobot-train, lerobot-eval, ...) import every installed distribution whose name starts with
`lerobot_policy_`. Nothing is defined here: the configs, policies and processors live in `shallow_pi.lerobot`
(exported from nbs/07_lerobot.ipynb), and importing that module registers them."""
from shallow_pi.lerobot import (ShallowPI05Config, ShallowPI05Policy, ShallowPI0Config, ShallowPI0Policy,
                                make_shallow_pi05_pre_post_processors, make_shallow_pi0_pre_post_processors)

__all__ = ["ShallowPI0Config", "ShallowPI0Policy", "ShallowPI05Config", "ShallowPI05Policy",
           "make_shallow_pi0_pre_post_processors", "make_shallow_pi05_pre_post_processors"]
