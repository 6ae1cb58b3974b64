"""Domain signals of the posts app, sent by posts.services after commit.

Keyword arguments (sender is the model class):
post_created(post, mentioned_users)          mentioned_users: @mentioned users who can see the post,
                                             the author excluded
comment_created(comment, mentioned_users)    comment.post.author / comment.parent.author tell whom to notify
vote_cast(target, voter, value, previous_value, author, karma_delta)
                                             target is a Post or a Comment; author is the target's author
                                             whose karma changes by karma_delta (value - previous_value)
post_deleted(post)
"""

from django.dispatch import Signal

post_created = Signal()
comment_created = Signal()
vote_cast = Signal()
post_deleted = Signal()
