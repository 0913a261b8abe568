"""Training in the page, the maths side (plain numpy, no ``js``): the cross-entropy loss and
its gradient (:mod:`.loss`), SGD and Adam steps (:mod:`.optim`), the student's bounded set of
photos (:mod:`.examples`), growing the output layer by a class (:mod:`.grow`), the
:class:`~pyapp.learn.trainer.Trainer` that runs in small steps so the page can paint between
them, and the provenance of a model trained that way (:mod:`.provenance`)."""
